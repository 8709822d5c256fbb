package io.mcpguard.sandbox;

/** {@code java -jar bitbucket-sandbox.jar [--port 7990]}: serves the sandbox until the process is stopped. */
public final class SandboxMain {
    private SandboxMain() {}

    public static void main(String[] args) throws Exception {
        int port = 7990;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--help", "-h" -> {
                    System.out.println("usage: java -jar bitbucket-sandbox.jar [--port 7990]  (binds 127.0.0.1)");
                    return;
                }
                default -> {
                    System.err.println("unknown argument: " + args[i]);
                    System.exit(2);
                }
            }
        }
        BitbucketSandbox sandbox = BitbucketSandbox.start(port);
        Runtime.getRuntime().addShutdownHook(new Thread(sandbox::close));
        System.out.println("Bitbucket sandbox listening on " + sandbox.apiUrl());
        System.out.println("  BITBUCKET_URL=" + sandbox.apiUrl());
        System.out.println("  BITBUCKET_EMAIL=" + BitbucketSandbox.DEMO_EMAIL);
        System.out.println("  BITBUCKET_API_TOKEN=" + BitbucketSandbox.DEMO_API_TOKEN);
        System.out.println("  (or BITBUCKET_ACCESS_TOKEN=" + BitbucketSandbox.DEMO_ACCESS_TOKEN + ")");
        System.out.println("  read-only token (writes answer 403): " + BitbucketSandbox.READ_ONLY_API_TOKEN);
        System.out.flush();
        Thread.currentThread().join();
    }
}
