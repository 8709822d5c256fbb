package io.mcpguard.proxy.budget;

/** The things a subject (or, before authentication, a client address) may hold only so many of at once. */
public enum Budget {
    /** Open connections of one client address, before anything is known of who is calling. */
    CONNECTIONS_PER_ADDRESS("connections_per_address", "connections from this address"),
    /** Requests of one subject being served at once, streams included. */
    IN_FLIGHT("in_flight", "requests in flight for this subject"),
    /** The server's event streams (GET) one subject holds open; each holds an upstream connection. */
    STREAMS("streams", "open event streams for this subject"),
    /** Bodies of one subject the policy engine is deciding at once. */
    DECISIONS("decisions", "policy decisions in progress for this subject");

    private final String wireName;
    private final String description;

    Budget(String wireName, String description) {
        this.wireName = wireName;
        this.description = description;
    }

    /** The name metrics and the audit trail use. */
    public String wireName() {
        return wireName;
    }

    /** What is counted, for the refusal's message: "too many {description}". */
    public String description() {
        return description;
    }
}
