// The small types istio/api shares across kinds (type.v1beta1.WorkloadSelector, PolicyTargetReference), written once.

/** istio.type.v1beta1.WorkloadSelector: the workloads whose labels include all of these. */
export interface WorkloadSelector { readonly matchLabels?: Readonly<Record<string, string>> }

/** istio.type.v1beta1.PolicyTargetReference (Gateway API style attachment). */
export interface PolicyTargetReference {
  readonly group?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
}
