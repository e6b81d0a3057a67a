/** The names of the credential files in the control plane's state directory, shared by the control plane (which writes them) and the CLI (which reads them). */

/** The admin credential: one line, `weft-admin-<random>`; mode 0600. Whoever can read it can do everything. */
export const ADMIN_TOKEN_FILE = 'admin-token';
/** The HMAC key join tokens are signed with (32 random bytes, base64url); mode 0600. Replacing it revokes every join token. */
export const JOIN_TOKEN_KEY_FILE = 'join-token.key';
/** A copy of the mesh root certificate (public, mode 0644): what clients verify the control plane's HTTPS certificate with. */
export const ROOT_CERT_COPY_FILE = 'root-cert.pem';
/** Prefix of the admin token, so that a token pasted in the wrong place is recognisable. */
export const ADMIN_TOKEN_PREFIX = 'weft-admin-';
/** Prefix of a join token (`weft-join.<claims>.<mac>`). */
export const JOIN_TOKEN_PREFIX = 'weft-join';
