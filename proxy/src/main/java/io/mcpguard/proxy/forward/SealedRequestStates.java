package io.mcpguard.proxy.forward;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code requestState} of a 2026-07-28 multi round-trip result, sealed by the proxy before the client sees it and
 * opened again when the client's retry brings it back. The client holds only an AES-256-GCM envelope of the server's
 * state, bound to the subject it was issued to (the subject is the authenticated data) and to a deadline: it cannot
 * read what a careless server put in the state, cannot forge or alter one (a state the proxy did not seal is refused),
 * and cannot hand its state to another subject — the binding to the user the era asks of state that shapes
 * authorization. Nothing is stored, so there is nothing to bound. The key is derived from a secret every replica
 * shares ({@code upstream.request-state-key-*}), so a retry may reach any of them as the era's stateless servers
 * allow; without one it is random and lives in this process, and a retry must come back through the proxy that
 * sealed it. Thread-safe.
 */
public final class SealedRequestStates {
    /** What every sealed state starts with: a state without it was not sealed here. */
    public static final String PREFIX = "mcpguard-state.";

    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKey key;
    private final SecureRandom random = new SecureRandom();
    private final Duration lifetime;
    private final Clock clock;

    /** Sealed under a random key of this process. */
    public SealedRequestStates(Duration lifetime, Clock clock) {
        this(lifetime, clock, null);
    }

    /**
     * @param secret what the key is derived from (at least 32 bytes), the same on every replica; null for a random key
     */
    public SealedRequestStates(Duration lifetime, Clock clock, byte[] secret) {
        this.lifetime = lifetime;
        this.clock = clock;
        try {
            if (secret == null) {
                KeyGenerator generator = KeyGenerator.getInstance("AES");
                generator.init(256, random);
                this.key = generator.generateKey();
            } else {
                if (secret.length < 32) {
                    throw new IllegalArgumentException("a request-state secret needs at least 32 bytes");
                }
                // A key of its own, not the secret itself: the same secret may serve elsewhere without the two uses
                // ever sharing a key.
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(secret, "HmacSHA256"));
                this.key = new SecretKeySpec(
                        mac.doFinal("mcpguard request-state key v1".getBytes(StandardCharsets.US_ASCII)), "AES");
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256 or HMAC-SHA-256 is not available", e);
        }
    }

    /** The server's {@code state}, sealed for {@code subject} until the lifetime runs out. */
    public String seal(String subject, String state) {
        byte[] text = state.getBytes(StandardCharsets.UTF_8);
        ByteBuffer plain = ByteBuffer.allocate(Long.BYTES + text.length)
                .putLong(clock.instant().plus(lifetime).getEpochSecond())
                .put(text);
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(subject.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plain.array());
            byte[] out = ByteBuffer.allocate(nonce.length + sealed.length)
                    .put(nonce)
                    .put(sealed)
                    .array();
            return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot seal a request state", e);
        }
    }

    /**
     * The server's state inside {@code sealed}, or null when it was not sealed here, was altered, was sealed for
     * another subject, or is past its deadline. The reason is not told apart: a prober learns nothing from it.
     */
    public String open(String subject, String sealed) {
        if (sealed == null || !sealed.startsWith(PREFIX)) {
            return null;
        }
        byte[] in;
        try {
            in = Base64.getUrlDecoder().decode(sealed.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (in.length < NONCE_BYTES + TAG_BITS / 8 + Long.BYTES) {
            return null;
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
            cipher.updateAAD(subject.getBytes(StandardCharsets.UTF_8));
            ByteBuffer plain = ByteBuffer.wrap(cipher.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES));
            if (plain.getLong() < clock.instant().getEpochSecond()) {
                return null;
            }
            return StandardCharsets.UTF_8.decode(plain).toString();
        } catch (javax.crypto.AEADBadTagException e) {
            return null;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot open a request state", e);
        }
    }
}
