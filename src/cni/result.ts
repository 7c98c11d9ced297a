// The CNI result moat-cni returns for ADD: the veth's two ends (the container's with its sandbox, and a
// "mac" on each, which podman requires), the addresses, and the routes it set in the container.
export interface CniInterface {
  name: string;
  mac: string;
  sandbox?: string;
}

export interface CniIp {
  address: string;
  gateway?: string;
  interface?: number;
}

export interface CniRoute {
  dst: string;
  gw?: string;
}

export interface CniResult {
  interfaces: CniInterface[];
  ips: CniIp[];
  routes: CniRoute[];
  dns?: Record<string, unknown>;
}
