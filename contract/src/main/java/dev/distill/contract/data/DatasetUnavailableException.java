package dev.distill.contract.data;

import java.io.IOException;

/**
 * A data set that is not on this machine and could not be made available. The message is one sentence
 * that says what went wrong and what to do about it, meant to be printed to the user without a stack
 * trace.
 */
public class DatasetUnavailableException extends IOException {
    private static final long serialVersionUID = 1L;

    public DatasetUnavailableException(String sentence) {
        super(sentence);
    }

    public DatasetUnavailableException(String sentence, Throwable cause) {
        super(sentence, cause);
    }
}
