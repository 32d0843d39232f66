package dev.distill.contract.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An IDX file that cannot be what its name promises. The message starts with the file and then says
 * what was expected and what was found, so it can be shown to a user as it is.
 */
public class IdxFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public IdxFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public IdxFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The offending file, or {@code null} after deserialisation. */
    public Path file() {
        return file;
    }
}
