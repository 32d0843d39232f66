package dev.distill.contract.data;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The two splits every IDX data set ships. */
public enum Split {
    TRAIN("train", "train"),
    TEST("test", "t10k");

    private final String cliName;
    private final String filePrefix;

    Split(String cliName, String filePrefix) {
        this.cliName = cliName;
        this.filePrefix = filePrefix;
    }

    /** The name used on the command line and in messages: {@code train} or {@code test}. */
    public String cliName() {
        return cliName;
    }

    /** The prefix of the IDX file names; the test split is called {@code t10k} by the original files. */
    public String filePrefix() {
        return filePrefix;
    }

    public String imagesFileName() {
        return filePrefix + "-images-idx3-ubyte";
    }

    public String labelsFileName() {
        return filePrefix + "-labels-idx1-ubyte";
    }

    /**
     * Accepts the command-line names (case and surrounding blanks ignored).
     *
     * @throws IllegalArgumentException naming the valid names
     */
    public static Split parse(String name) {
        String wanted = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (Split split : values()) {
            if (split.cliName.equals(wanted)) {
                return split;
            }
        }
        throw new IllegalArgumentException("unknown split '" + name + "': valid names are "
                + Arrays.stream(values()).map(Split::cliName).collect(Collectors.joining(", ")));
    }
}
