package io.mcpguard.sandbox;

/** A failure the sandbox answers the way Bitbucket Cloud does: a status and the {@code error.message} text. */
final class ApiError extends RuntimeException {
    private final int status;

    ApiError(int status, String message) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }

    static ApiError notFound(String what) {
        return new ApiError(404, what);
    }

    static ApiError badRequest(String message) {
        return new ApiError(400, message);
    }
}
