package io.mcpguard.proxy.auth;

import io.mcpguard.proxy.jsonrpc.ErrorCode;

/**
 * Why a credential was not accepted. The description is shown to the caller and logged, so it is always one of
 * the proxy's own fixed texts: never the token, never a library's message (which may quote claims).
 */
final class AuthenticationFailure extends Exception {
    private static final long serialVersionUID = 1L;

    /** The RFC 6750 §3.1 error this failure is, with the proxy's error code. */
    enum Kind {
        /** No credential at all: 401 with a challenge and no {@code error} (RFC 6750 §3.1). */
        MISSING(null, ErrorCode.AUTHENTICATION_REQUIRED),
        INVALID_TOKEN("invalid_token", ErrorCode.AUTHENTICATION_REQUIRED),
        INVALID_REQUEST("invalid_request", ErrorCode.BAD_CREDENTIAL_REQUEST),
        /** The issuer's keys cannot be had: nothing can be verified, the proxy fails closed with 503. */
        UNAVAILABLE(null, ErrorCode.IDENTITY_UNAVAILABLE);

        final String oauthError;
        final ErrorCode code;

        Kind(String oauthError, ErrorCode code) {
            this.oauthError = oauthError;
            this.code = code;
        }
    }

    private final Kind kind;

    AuthenticationFailure(Kind kind, String description) {
        super(description, null, false, false);
        this.kind = kind;
    }

    Kind kind() {
        return kind;
    }
}
