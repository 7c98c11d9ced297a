// The control plane at work: a real `moat server` and real `moat agent` processes in lab nodes.
export async function benchControlPlane(): Promise<void> {
  console.log("control-plane: not measured yet");
}
