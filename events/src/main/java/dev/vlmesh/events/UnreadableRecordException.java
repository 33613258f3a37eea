package dev.vlmesh.events;

/** A record that is not a valid vlmesh event; it belongs in the dead-letter topic, with this message as the reason. */
public class UnreadableRecordException extends Exception {

    public UnreadableRecordException(String reason) {
        super(reason);
    }

    public UnreadableRecordException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
