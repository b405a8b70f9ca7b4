// What the central application needs, in one import: checking gateway messages, and signing the
// requests and acks it sends. Imports nothing from the agent.
export { DOMAIN, seal, signedBytes, unseal, type EnvelopeFormat, type Opened } from './envelope.js';
export { checkPayload, fingerprint, newKeyPair, parsePrivateKey, parsePublicKey, privateKeyPem, publicKeyText, signAck, signCommand, signPayload, signRequest } from './keys.js';
export { decodeBody, parseKeyList, Verifier, type Gap, type Report, type Verdict } from './verifier.js';
