package io.mcpguard.proxy.audit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.mcpguard.proxy.config.Secret;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How a subject id appears in the audit trail: as it is, or, with a key, as {@code HMAC-SHA256(key, id)} in hex. A
 * keyed hash rather than a plain one, because user names are few and guessable: without the key nobody can hash a
 * directory of names and match them against the trail, while whoever holds the key can still find one subject's
 * spans.
 */
public final class SubjectPseudonyms {
    /**
     * Pseudonyms of the subjects seen lately. A message's spans ask for its subject's on the event loop, and the HMAC
     * with its {@code Mac.getInstance} (a provider lookup) was the largest single cost of the audit trail there in a
     * JFR profile under load; the same few subjects send nearly every message.
     */
    private static final int REMEMBERED = 10_000;

    /** What the key-id derivation hashes: a fixed label no subject id can be mistaken for. */
    private static final String KEY_ID_LABEL = "\u0000mcpguard subject key id";

    private final SecretKeySpec key;
    private final String keyId;
    private final Cache<String, String> remembered =
            Caffeine.newBuilder().maximumSize(REMEMBERED).build();

    /** @param key the HMAC key, or null to record ids in clear */
    SubjectPseudonyms(Secret key) {
        this.key = key == null ? null : new SecretKeySpec(key.reveal().getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.keyId = key == null ? null : hmac(KEY_ID_LABEL).substring(0, 16);
    }

    /**
     * Which key made the pseudonyms: the first 16 hex digits of the key's HMAC of a fixed label, on every span as
     * {@code mcp.policy.subject.key_id}. Rotating the key starts a new key period; destroying an old key makes that
     * period's pseudonyms unlinkable to anyone (erasure), and {@code mcpguard report} says which periods it covers.
     * Null without a key. Reveals nothing of the key: it is one more HMAC output.
     */
    String keyId() {
        return keyId;
    }

    /** The key id of a key, as {@link #keyId()} gives it; for {@code mcpguard report --key-file}. */
    public static String keyIdOf(Secret key) {
        return new SubjectPseudonyms(key).keyId();
    }

    boolean pseudonymising() {
        return key != null;
    }

    /** The id to record: with a key, its HMAC, computed once per subject while it stays among the recent ones. */
    String of(String subjectId) {
        if (key == null || subjectId == null) {
            return subjectId;
        }
        return remembered.get(subjectId, this::hmac);
    }

    private String hmac(String subjectId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return HexFormat.of().formatHex(mac.doFinal(subjectId.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
