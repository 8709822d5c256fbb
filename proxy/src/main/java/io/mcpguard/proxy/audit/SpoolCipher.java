package io.mcpguard.proxy.audit;

import io.mcpguard.proxy.config.ProxyConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encryption at rest of the audit spool: every record (one batch of spans or metrics) is sealed with AES-256-GCM
 * under the current key ({@code audit.spool-key-file} or {@code -env}, first entry), and opened with whichever
 * listed key sealed it, so a rotated key keeps reading old records until they drain.
 *
 * <p>A sealed record is {@code MGS1 | id length | key id | 12-byte nonce | ciphertext and 16-byte tag}. The magic
 * cannot start a record written in clear (an OTLP request begins with its field tag, {@code 0x0A}), so a spool
 * written without encryption is told apart at start. The header and the signal ({@code spans}, {@code metrics}) are
 * authenticated with the data: a record moved to the other signal's folder or with an altered key id does not open.
 * Nonces are random; at one record per second per signal a key would need ages to approach GCM's 2^32 bound. Thread-safe.
 */
final class SpoolCipher {
    private static final byte[] MAGIC = {'M', 'G', 'S', '1'};
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final String currentId;
    private final Map<String, SecretKey> keys;
    private final SecureRandom random = new SecureRandom();

    private SpoolCipher(String currentId, Map<String, SecretKey> keys) {
        this.currentId = currentId;
        this.keys = keys;
    }

    /** The cipher of the configured keys, or null when there are none (the spool is written in clear). */
    static SpoolCipher of(List<ProxyConfig.SpoolKey> configured) {
        if (configured.isEmpty()) {
            return null;
        }
        Map<String, SecretKey> keys = new LinkedHashMap<>();
        for (ProxyConfig.SpoolKey key : configured) {
            keys.put(
                    key.id(),
                    new SecretKeySpec(Base64.getDecoder().decode(key.key().reveal()), "AES"));
        }
        return new SpoolCipher(configured.get(0).id(), Map.copyOf(keys));
    }

    String currentId() {
        return currentId;
    }

    boolean knows(String keyId) {
        return keys.containsKey(keyId);
    }

    static boolean isSealed(byte[] record) {
        if (record.length < MAGIC.length) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (record[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** The id of the key that sealed {@code record}; {@code record} must be {@link #isSealed sealed}. */
    static String keyId(byte[] record) {
        int length = record.length > MAGIC.length ? record[MAGIC.length] & 0xff : 0;
        if (record.length < MAGIC.length + 1 + length) {
            return "";
        }
        return new String(record, MAGIC.length + 1, length, StandardCharsets.US_ASCII);
    }

    byte[] seal(byte[] plain, String signal) {
        byte[] id = currentId.getBytes(StandardCharsets.US_ASCII);
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        int header = MAGIC.length + 1 + id.length;
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(currentId), new GCMParameterSpec(TAG_BITS, nonce));
            ByteBuffer out = ByteBuffer.allocate(header + NONCE_BYTES + cipher.getOutputSize(plain.length));
            out.put(MAGIC).put((byte) id.length).put(id);
            cipher.updateAAD(out.array(), 0, header);
            cipher.updateAAD(signal.getBytes(StandardCharsets.US_ASCII));
            out.put(nonce);
            cipher.doFinal(ByteBuffer.wrap(plain), out);
            return out.array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("audit spool: AES-GCM unavailable", e);
        }
    }

    /**
     * @throws GeneralSecurityException when the record is not sealed, names an unknown key, or does not open under
     *     its key (wrong key for the id, or altered)
     */
    byte[] open(byte[] record, String signal) throws GeneralSecurityException {
        if (!isSealed(record)) {
            throw new GeneralSecurityException("record not sealed");
        }
        String id = keyId(record);
        SecretKey key = keys.get(id);
        if (key == null) {
            throw new GeneralSecurityException("record sealed under unknown key id");
        }
        int header = MAGIC.length + 1 + id.length();
        if (record.length < header + NONCE_BYTES + TAG_BITS / 8) {
            throw new GeneralSecurityException("record truncated");
        }
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, record, header, NONCE_BYTES));
        cipher.updateAAD(record, 0, header);
        cipher.updateAAD(signal.getBytes(StandardCharsets.US_ASCII));
        return cipher.doFinal(record, header + NONCE_BYTES, record.length - header - NONCE_BYTES);
    }
}
