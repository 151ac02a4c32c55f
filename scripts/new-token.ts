// Makes a caller token: prints the token (give it to the caller, once) and the GATEWAY_TOKENS entry
// (only its SHA-256) for the gateway's configuration.
//   npm run token -- <name> <reader|admin> [appKey ...]
import { hashToken, newToken } from '../src/auth/callers.ts';

const [name, role, ...appKeys] = process.argv.slice(2);
if (!name || (role !== 'reader' && role !== 'admin')) {
  console.error('usage: npm run token -- <name> <reader|admin> [appKey ...]');
  process.exit(2);
}
const token = newToken();
console.log(`token (give it to "${name}"; it is not stored anywhere):\n  ${token}`);
console.log('GATEWAY_TOKENS entry:');
console.log(`  ${JSON.stringify({ name, sha256: hashToken(token), role, ...(appKeys.length > 0 ? { appKeys } : {}) })}`);
