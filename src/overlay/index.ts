export { desiredOverlay, vtepMac, vtepGateway6, OVERLAY_DEVICE, OVERLAY_VNI, OVERLAY_PORT, OVERLAY_HEADROOM, type DesiredOverlay, type OverlayDevice, type OverlayRoute, type FdbEntry, type NeighborEntry } from "./desired.js";
export { overlaySteps, observedDevice, type OverlayReadBack, type OverlaySteps, type ObservedDevice } from "./steps.js";
