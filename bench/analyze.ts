// `moat lint` on a large iptables-save (issue 10): kube-proxy-sized chains of per-address rules and a
// firewalld-like chain of per-port rules, parsed and linted in one go.
import { analyze, lintRuleset } from "../src/analyze/index.js";

const RULES = 130_000;
const BUDGET_S = 30;

export function benchLintLargeSave(): void {
  const lines = ["*filter", ":FORWARD ACCEPT [0:0]", ":KUBE-SVC - [0:0]", ":IN_public_allow - [0:0]", "-A FORWARD -j KUBE-SVC", "-A FORWARD -j IN_public_allow"];
  for (let i = 0; i < RULES - 5000; i++) {
    lines.push(`[${i}:${i * 60}] -A KUBE-SVC -d 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32 -p tcp -m comment --comment "svc ${i}" -m tcp --dport ${1000 + (i % 5000)} -j ACCEPT`);
  }
  for (let p = 0; p < 5000; p++) lines.push(`-A IN_public_allow -p tcp -m tcp --dport ${20000 + p} -m conntrack --ctstate NEW,UNTRACKED -j ACCEPT`);
  lines.push("COMMIT", "");
  const text = lines.join("\n");
  const t0 = performance.now();
  const rs = analyze([{ file: "big.save", text }]);
  const t1 = performance.now();
  const findings = lintRuleset(rs);
  const t2 = performance.now();
  const total = (t2 - t0) / 1000;
  console.log(`lint: ${RULES} rules (${(text.length / 1e6).toFixed(1)} MB of iptables-save -c): parse ${((t1 - t0) / 1000).toFixed(1)} s, checks ${((t2 - t1) / 1000).toFixed(1)} s, ${findings.length} findings (budget ${BUDGET_S} s)`);
  if (findings.length) throw new Error(`a clean save gave ${findings.length} findings`);
  if (total > BUDGET_S) throw new Error(`took ${total.toFixed(1)} s, over the budget of ${BUDGET_S} s`);
}
