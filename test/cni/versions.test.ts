// Results in the config's version: 0.3.x and 0.4.0 give each ip a "version", 1.0.0 does not; the
// workload names moat-cni derives from what runtimes pass are names moat accepts.
import { describe, expect, it } from "vitest";
import { inVersion } from "../../src/cni/versions.js";
import { resourceName } from "../../src/cni/workload.js";
import { resourceNameProblem } from "../../src/model/index.js";

const result = { interfaces: [{ name: "mc0", mac: "ee:ee:ee:ee:ee:ee" }, { name: "eth0", mac: "02:00:00:00:00:01", sandbox: "/run/netns/x" }], ips: [{ address: "10.1.0.2/32", gateway: "169.254.1.1", interface: 1 }], routes: [{ dst: "0.0.0.0/0", gw: "169.254.1.1" }] };

describe("moat-cni versions and names", () => {
  it.each(["0.3.0", "0.3.1", "0.4.0"])("a %s result gives each ip its version", (v) => {
    expect(inVersion(result, v)).toEqual({ cniVersion: v, interfaces: result.interfaces, ips: [{ version: "4", ...result.ips[0] }], routes: result.routes, dns: {} });
  });

  it("a 1.0.0 result has no ip version", () => {
    expect((inVersion(result, "1.0.0").ips as object[])[0]).toEqual(result.ips[0]);
  });

  it.each(["web_1", "my container!", "-lead-and-trail-", "moat-web", "", "a".repeat(300)])("the name from %j is one moat accepts", (text) => {
    expect(resourceNameProblem(resourceName(text))).toBeUndefined();
  });
});
