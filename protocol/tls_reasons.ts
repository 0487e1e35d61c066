/**
 * TLS failures in words: why a handshake failed, from the TLS library's
 * message or the peer's alert, and why a server's certificate and key were
 * refused, each with what to do about it where that is known.
 *
 * @module
 */

const ALERTS: Record<string, string> = {
  UnknownCA: "the peer does not trust the CA that signed our certificate",
  BadCertificate: "the peer rejected our certificate",
  // The TLS library sends this alert for a certificate not yet valid too.
  CertificateExpired:
    "the peer says our certificate has expired or is not yet valid",
  UnsupportedCertificate:
    "the peer refuses our kind of certificate (does its extended key usage allow serverAuth?)",
  CertificateUnknown:
    "the peer could not accept our certificate (is it a CA certificate used as a server's own?)",
  ProtocolVersion:
    "the peer speaks no TLS version in common with netdemo (TLS 1.2 and 1.3)",
  HandshakeFailure:
    "the peer found nothing in common with this side's TLS (no cipher suite, key-exchange group or signature scheme both accept)",
};

/**
 * What the two sides of a handshake had nothing in common of, by the TLS
 * library's name for it ("peer is incompatible: ...").
 */
const INCOMPATIBLE: Record<string, string> = {
  NoCipherSuitesInCommon: "no cipher suite",
  NoKxGroupsInCommon: "no key-exchange group",
  NoSignatureSchemesInCommon: "no signature scheme",
};

/**
 * A self-signed certificate from `openssl req -x509` is marked as a CA
 * unless told otherwise, which OpenSSL's own clients let pass.
 */
const CA_AS_SERVER =
  "its certificate is marked as a CA (basicConstraints CA:TRUE), which TLS refuses as a server's own; make it with -addext basicConstraints=critical,CA:FALSE";

/** How the TLS library says that a peer speaks only an older TLS. */
const OLD_VERSION =
  /SignatureAlgorithmsExtensionRequired|SupportedVersionsExtensionRequired|Tls12NotOffered|VersionNotOffered|ProtocolVersion/;

/**
 * Says in words why a TLS handshake failed, from the runtime's message.
 *
 * @example
 * ```ts
 * import { tlsReason } from "./tls_reasons.ts";
 * tlsReason("invalid peer certificate: UnknownIssuer");
 * // "its certificate is not signed by a trusted CA (trust that CA with --tls-ca FILE)"
 * ```
 */
export function tlsReason(detail: string): string {
  if (/UnknownIssuer/.test(detail)) {
    return "its certificate is not signed by a trusted CA (trust that CA with --tls-ca FILE)";
  }
  const name = /not valid for name "([^"]*)"/.exec(detail);
  // The TLS library reads the names of subjectAltName only, never the
  // Common Name that OpenSSL falls back to.
  if (name && /not valid for any names/.test(detail)) {
    return "its certificate names no host in a subjectAltName extension (a Common Name alone is not read: make it with -addext subjectAltName=DNS:NAME,IP:ADDRESS)";
  }
  if (name) {
    return `its certificate is not valid for the name "${
      name[1]
    }" (name the expected one with --tls-server-name)`;
  }
  // An alert the TLS library has no name for comes as its code in hex.
  const unknown = /fatal alert: \w+\(0x([0-9a-f]+)\)/i.exec(detail);
  if (unknown) {
    return `the peer sent an alert of a code TLS does not define (${
      parseInt(unknown[1], 16)
    })`;
  }
  const alert = /fatal alert: (\w+)/.exec(detail);
  if (alert) return ALERTS[alert[1]] ?? `the peer sent the alert ${alert[1]}`;
  // The peer's messages are TLS, but break its rules (a server name that
  // is no host name, say): the library's own name for the rule says which.
  const misbehaved = /peer misbehaved: (\w+)/.exec(detail);
  if (misbehaved) {
    return `the peer broke a rule of the TLS protocol (${misbehaved[1]})`;
  }
  if (/certificate expired/.test(detail)) return "its certificate has expired";
  if (/not valid yet|NotValidYet/.test(detail)) {
    return "its certificate is not valid yet (its start date is ahead of this machine's clock)";
  }
  if (/CaUsedAsEndEntity/.test(detail)) {
    return CA_AS_SERVER;
  }
  const incompatible = /peer is incompatible: (\w+)/.exec(detail);
  if (incompatible) {
    // A ClientHello older than TLS 1.2 lacks what rustls asks for first.
    if (OLD_VERSION.test(incompatible[1])) {
      return "the peer offers no TLS version in common (netdemo speaks TLS 1.2 and 1.3)";
    }
    const none = INCOMPATIBLE[incompatible[1]];
    return none === undefined
      ? `the peer's TLS settings do not fit this side's (${incompatible[1]})`
      : `the peer has ${none} in common with this side`;
  }
  if (
    /corrupt|InvalidContentType|InvalidMessage|unexpected (handshake )?message/i
      .test(detail)
  ) {
    return "the peer does not speak TLS";
  }
  if (/end of file|eof/i.test(detail)) {
    return "the peer closed the connection mid-handshake (does it speak TLS?)";
  }
  return detail;
}

/**
 * The TLS library's reason for refusing a server's certificate and key, in
 * the options' words where it is one netdemo knows; else its own.
 *
 * @example
 * ```ts
 * import { keyPairReason } from "./tls_reasons.ts";
 * keyPairReason(new Error("keys may not be consistent: KeyMismatch"));
 * // "the --tls-key is not the private key of the --tls-cert certificate"
 * ```
 */
export function keyPairReason(error: Error): string {
  const { message } = error;
  if (/KeyMismatch/.test(message)) {
    return "the --tls-key is not the private key of the --tls-cert certificate";
  }
  if (/failed to parse private key/i.test(message)) {
    return "the --tls-key does not decode as an RSA, ECDSA or EdDSA private key";
  }
  if (/UnsupportedCertVersion/.test(message)) {
    return "the --tls-cert certificate is an X.509 version 1 certificate, which the TLS library refuses; make a version 3 one (openssl x509 -req with -extfile naming its subjectAltName)";
  }
  if (/BadEncoding|certificate.*(decod|pars)/i.test(message)) {
    return `the --tls-cert certificate does not decode (${message})`;
  }
  return message;
}
