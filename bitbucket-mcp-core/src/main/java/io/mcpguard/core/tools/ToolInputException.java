package io.mcpguard.core.tools;

/** An argument the tool cannot use; answered as an {@code isError} result naming the argument. */
public final class ToolInputException extends RuntimeException {
    public ToolInputException(String message) {
        super(message);
    }
}
