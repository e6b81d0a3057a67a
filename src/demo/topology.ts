// The demo's world, from the seed: which services run in which versions, and where their code is.
import { fileURLToPath } from 'node:url';

export interface DemoWorkload {
  readonly service: string;
  readonly version: string;
  /** The plain TypeScript server the workload runs. */
  readonly script: string;
}

/** Every workload listens on this service port: http://order-service:8080/ and so on. */
export const SERVICE_PORT = 8080;

const script = (name: string): string => fileURLToPath(new URL(`./services/${name}.ts`, import.meta.url));

export const DEMO_WORKLOADS: readonly DemoWorkload[] = [
  { service: 'api-gateway', version: 'v1', script: script('api-gateway') },
  { service: 'order-service', version: 'v1', script: script('order-service') },
  { service: 'order-service', version: 'v2', script: script('order-service') },
  { service: 'user-service', version: 'v1', script: script('user-service') },
  { service: 'user-service', version: 'v2', script: script('user-service') },
  { service: 'payment-service', version: 'v1', script: script('payment-service') },
];

/** The seed's "Пример: Traffic Management", both documents verbatim. */
export const CANARY_YAML = fileURLToPath(new URL('./canary.yaml', import.meta.url));

/** The seed's "Distributed Tracing" block (IstioOperator, 100 % sampling), verbatim: the demo's traces come from it. */
export const TRACING_YAML = fileURLToPath(new URL('./tracing.yaml', import.meta.url));
