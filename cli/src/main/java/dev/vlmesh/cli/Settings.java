package dev.vlmesh.cli;

import java.util.Map;

/** Where the services are and which key to use: flags win over environment variables, which win over defaults. */
public record Settings(String ingestUrl, String resultsUrl, String convertUrl, String apiKey, boolean quiet) {

    public static final String INGEST_ENV = "VLMESH_INGEST_URL";
    public static final String RESULTS_ENV = "VLMESH_RESULTS_URL";
    public static final String CONVERT_ENV = "VLMESH_CONVERT_URL";
    public static final String KEY_ENV = "VLMESH_API_KEY";

    public static Settings from(Args args, Map<String, String> env) {
        return new Settings(
                trim(args.option("ingest", env.getOrDefault(INGEST_ENV, "http://127.0.0.1:8081"))),
                trim(args.option("results", env.getOrDefault(RESULTS_ENV, "http://127.0.0.1:8080"))),
                trim(args.option("convert", env.getOrDefault(CONVERT_ENV, "http://127.0.0.1:8082"))),
                args.option("api-key", env.get(KEY_ENV)),
                args.flag("quiet"));
    }

    public String requireKey() {
        if (apiKey == null || apiKey.isBlank()) {
            throw new CliException(ExitCodes.USAGE, "no API key: set " + KEY_ENV + " or pass --api-key");
        }
        return apiKey;
    }

    private static String trim(String url) {
        return url.replaceAll("/+$", "");
    }
}
