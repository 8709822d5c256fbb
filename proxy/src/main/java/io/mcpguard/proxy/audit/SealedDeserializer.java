package io.mcpguard.proxy.audit;

import io.opentelemetry.contrib.disk.buffering.internal.serialization.deserializers.DeserializationException;
import io.opentelemetry.contrib.disk.buffering.internal.serialization.deserializers.SignalDeserializer;
import java.security.GeneralSecurityException;
import java.util.List;

/**
 * Opens a sealed spool record ({@link SpoolCipher}) and hands the OTLP bytes to the disk-buffering deserializer.
 * The spool directory was checked at start (every file opens under a listed key), so a failure here is a record
 * damaged since; the storage then skips it, and the drainer's WARN says so.
 */
final class SealedDeserializer<T> implements SignalDeserializer<T> {
    private final SignalDeserializer<T> plain;
    private final SpoolCipher cipher;
    private final String signal;

    SealedDeserializer(SignalDeserializer<T> plain, SpoolCipher cipher, String signal) {
        this.plain = plain;
        this.cipher = cipher;
        this.signal = signal;
    }

    @Override
    public List<T> deserialize(byte[] record) throws DeserializationException {
        try {
            return plain.deserialize(cipher.open(record, signal));
        } catch (GeneralSecurityException e) {
            throw new DeserializationException(
                    new IllegalStateException("audit spool record of " + signal + " does not open: " + e.getMessage()));
        }
    }
}
