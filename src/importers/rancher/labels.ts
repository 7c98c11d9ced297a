// Rancher's labels as moat labels. Rancher puts values in labels that Kubernetes' label rules refuse:
// io.rancher.stack_service.name is "stack/service". For Rancher's service names and for every key a
// rule refers to, such a value is mapped ("/" becomes "."), the same way in containers and in
// selectors, so equal values stay equal. Other labels moat cannot carry are left off with a warning;
// one a rule refers to is an error.
import { isLabelValue } from "../emit.js";

export const STACK_LABEL = "io.rancher.stack.name";
export const SERVICE_LABEL = "io.rancher.stack_service.name";

export const MAPPED_KEYS: readonly string[] = [SERVICE_LABEL, "io.rancher.project_service.name"];

export function mapLabelValue(value: string): string | undefined {
  if (isLabelValue(value)) return value;
  const mapped = value.replaceAll("/", ".");
  return isLabelValue(mapped) ? mapped : undefined;
}
