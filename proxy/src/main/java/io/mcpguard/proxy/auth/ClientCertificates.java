package io.mcpguard.proxy.auth;

import io.mcpguard.proxy.policy.Subject;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Identifies a client by the certificate it presented in the TLS handshake (mTLS), which the listener already
 * verified against its client CA. Only names listed in {@code listen.tls.client-subjects} identify anyone: a
 * certificate the CA signed for some other purpose is no credential here.
 *
 * <p>A certificate's names are its SAN URIs (SPIFFE IDs), then its SAN DNS names, then — only when it has no SAN —
 * its subject's CN; the first listed one is the subject's id.
 */
public final class ClientCertificates {
    private static final int SAN_DNS = 2;
    private static final int SAN_URI = 6;

    private final Map<String, List<String>> rolesByName;

    /** @param rolesByName a certificate name → the roles of the subject of that name */
    public ClientCertificates(Map<String, List<String>> rolesByName) {
        this.rolesByName = Map.copyOf(rolesByName);
    }

    /** The identity of the connection's verified client certificate, or null (no TLS, no certificate, unlisted). */
    Identity identify(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return null;
        }
        Certificate[] peer;
        try {
            peer = ssl.engine().getSession().getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null; // the client presented none (client-auth optional)
        }
        if (peer.length == 0 || !(peer[0] instanceof X509Certificate leaf)) {
            return null;
        }
        for (String name : names(leaf)) {
            List<String> roles = rolesByName.get(name);
            if (roles != null) {
                return new Identity(
                        new Subject(name, true, "mtls", roles, List.of(), null, List.of(), null, null, null),
                        java.util.Set.of());
            }
        }
        return null;
    }

    /** SAN URIs, then SAN DNS names; the CN only for a certificate without either. */
    static List<String> names(X509Certificate cert) {
        List<String> uris = new ArrayList<>();
        List<String> dns = new ArrayList<>();
        try {
            var sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (san.size() >= 2 && san.get(0) instanceof Integer type && san.get(1) instanceof String value) {
                        if (type == SAN_URI) {
                            uris.add(value);
                        } else if (type == SAN_DNS) {
                            dns.add(value);
                        }
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return List.of(); // an unreadable SAN names no one
        }
        List<String> names = new ArrayList<>(uris);
        names.addAll(dns);
        if (names.isEmpty()) {
            try {
                for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                    if (rdn.getType().equalsIgnoreCase("CN")) {
                        names.add(String.valueOf(rdn.getValue()));
                    }
                }
            } catch (InvalidNameException e) {
                return List.of();
            }
        }
        return List.copyOf(names);
    }
}
