package dev.vlmesh.infer.backend;

/** Receives generated text as it is decoded. */
@FunctionalInterface
public interface TextSink {

    /** @param tokens tokens this piece stands for (its text may be empty while a character is incomplete) */
    void accept(String text, int tokens);
}
