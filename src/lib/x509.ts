/** The @peculiar/x509 library, loaded after the Reflect polyfill it requires and bound to Node's WebCrypto: import x509 from here, never directly. */
// Order matters: tsyringe (inside @peculiar/x509) throws at load time unless Reflect.getMetadata
// already exists, and ES modules evaluate their imports in source order.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** Node's WebCrypto, typed as Node types it; pass it to every x509 call that takes a crypto. */
export const crypto: webcrypto.Crypto = webcrypto;

x509.cryptoProvider.set(webcrypto);

export { x509 };
