export * from "./iptables.js";
