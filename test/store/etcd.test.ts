// The store conformance suite on a real etcd member, each test under a prefix of its own.
import { afterAll, beforeAll } from "vitest";
import { openEtcdStore } from "../../src/store/index.js";
import { startEtcd, type EtcdCluster } from "../support/etcd.js";
import { storeSuite } from "./store-suite.js";

let etcd: EtcdCluster;
let n = 0;

beforeAll(async () => {
  etcd = await startEtcd(1);
}, 30_000);
afterAll(async () => etcd?.stop());

storeSuite("etcd", async () => {
  const prefix = `/moat-suite-${n++}/`;
  const open = () => openEtcdStore({ endpoints: etcd.endpoints, prefix });
  return { store: await open(), reopen: open, cleanup: async () => {} };
});
