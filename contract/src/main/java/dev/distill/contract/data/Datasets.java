package dev.distill.contract.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** Reads data sets from a {@link DataHome}, and fetches them first where a caller wants that. */
public final class Datasets {
    private Datasets() {
    }

    /** Reads a split from the default data home ({@link DataHome#resolve()}). */
    public static LabelledImages load(Dataset dataset, Split split) throws IOException {
        return load(DataHome.resolve(), dataset, split);
    }

    /**
     * Reads a split, checking that its images have the data set's size and its labels name its classes.
     *
     * @throws DatasetUnavailableException if a file is missing, naming the command that fetches it
     * @throws IdxFormatException          if a file is not a valid IDX file for this data set
     */
    public static LabelledImages load(DataHome home, Dataset dataset, Split split) throws IOException {
        Path images = require(home, dataset, split.imagesFileName());
        Path labels = require(home, dataset, split.labelsFileName());
        LabelledImages loaded = IdxReader.readSplit(dataset.cliName(), split.cliName(), images, labels);
        if (loaded.rows() != dataset.rows() || loaded.cols() != dataset.cols()) {
            throw new IdxFormatException(images, "images are " + loaded.rows() + "x" + loaded.cols() + ", expected "
                    + dataset.rows() + "x" + dataset.cols() + " for " + dataset.cliName());
        }
        int[] histogram = loaded.labelHistogram();
        if (histogram.length > dataset.classCount()) {
            int bad = 0;
            while (loaded.label(bad) < dataset.classCount()) {
                bad++;
            }
            throw new IdxFormatException(labels, "label " + loaded.label(bad) + " at index " + bad
                    + " is outside 0.." + (dataset.classCount() - 1) + " for " + dataset.cliName());
        }
        return loaded;
    }

    /** Whether all four files of the data set are in the home (unchecked: {@link DatasetFetcher} checks). */
    public static boolean isPresent(DataHome home, Dataset dataset) {
        return dataset.fileNames().stream().allMatch(name -> home.datasetFile(dataset, name).isPresent());
    }

    /** Fetches the data set into the default data home unless it is already there and checked. */
    public static FetchResult ensureAvailable(Dataset dataset) throws DatasetUnavailableException {
        return ensureAvailable(DataHome.resolve(), dataset);
    }

    public static FetchResult ensureAvailable(DataHome home, Dataset dataset) throws DatasetUnavailableException {
        return new DatasetFetcher(home).fetch(dataset, Optional.empty());
    }

    private static Path require(DataHome home, Dataset dataset, String fileName) throws DatasetUnavailableException {
        return home.datasetFile(dataset, fileName).orElseThrow(() -> new DatasetUnavailableException(
                dataset.cliName() + " is not in " + home.datasetDir(dataset) + " (no " + fileName + " nor "
                        + fileName + ".gz): run `distill data fetch " + dataset.cliName() + "` first"));
    }
}
