package io.mcpguard.proxy.mask;

/**
 * A rules file that cannot be used, with a message naming the file, the rule and the key at fault. At start it stops
 * the proxy (an {@link IllegalStateException}, like any invalid referenced file); on reload the previous rules stay.
 * Messages quote patterns and keys, never matched text.
 */
public final class RulesFileException extends IllegalStateException {
    RulesFileException(String message) {
        super(message);
    }

    RulesFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
