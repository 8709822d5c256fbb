package io.mcpguard.sandbox;

/** A Bitbucket account. {@code email} is private in real Bitbucket; here it feeds commit authors. */
record User(String id, String displayName, String nickname, String accountId, String uuid, String email) {

    String rawAuthor() {
        return displayName + " <" + email + ">";
    }
}
