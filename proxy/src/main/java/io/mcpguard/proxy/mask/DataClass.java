package io.mcpguard.proxy.mask;

import java.util.Locale;

/** The families classifiers sort findings into; a policy's {@code mask} names these. */
public enum DataClass {
    /** Keys, tokens, private keys, passwords: anything that grants access by itself. */
    SECRETS,
    /** Credentials embedded in URLs ({@code scheme://user:pass@host}). */
    CREDENTIALS,
    /** Data about a person: e-mail addresses, phone numbers, bank accounts, payment cards. */
    PERSONAL_DATA,
    /** Facts about the inside of the network: private addresses, internal host names. */
    INTERNAL_INFRASTRUCTURE;

    /** The name used in policies and audit records, e.g. {@code personal_data}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DataClass fromWireName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
