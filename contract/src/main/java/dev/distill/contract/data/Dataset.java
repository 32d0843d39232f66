package dev.distill.contract.data;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The image data sets the project knows how to fetch and read; all are 28x28 grey images in 10 classes. */
public enum Dataset {
    MNIST("mnist", List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")),
    FASHION_MNIST("fashion-mnist", List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Bag", "Sneaker", "Ankle boot"));

    private final String cliName;
    private final List<String> classNames;

    Dataset(String cliName, List<String> classNames) {
        this.cliName = cliName;
        this.classNames = classNames;
    }

    /** The name used on the command line, in messages and as the folder name under the data home. */
    public String cliName() {
        return cliName;
    }

    public int classCount() {
        return classNames.size();
    }

    /** Class names indexed by label value. */
    public List<String> classNames() {
        return classNames;
    }

    public String className(int label) {
        return classNames.get(label);
    }

    public int rows() {
        return 28;
    }

    public int cols() {
        return 28;
    }

    /** Number of images in the published split; used to validate files that come without checksums. */
    public int expectedCount(Split split) {
        return split == Split.TRAIN ? 60_000 : 10_000;
    }

    public String imagesFileName(Split split) {
        return split.imagesFileName();
    }

    public String labelsFileName(Split split) {
        return split.labelsFileName();
    }

    /** The four IDX file names (without a {@code .gz} suffix), train before test, images before labels. */
    public List<String> fileNames() {
        return List.of(Split.TRAIN.imagesFileName(), Split.TRAIN.labelsFileName(),
                Split.TEST.imagesFileName(), Split.TEST.labelsFileName());
    }

    /**
     * Accepts the command-line names (case and surrounding blanks ignored).
     *
     * @throws IllegalArgumentException naming the valid names
     */
    public static Dataset parse(String name) {
        String wanted = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (Dataset dataset : values()) {
            if (dataset.cliName.equals(wanted)) {
                return dataset;
            }
        }
        throw new IllegalArgumentException("unknown data set '" + name + "': valid names are "
                + Arrays.stream(values()).map(Dataset::cliName).collect(Collectors.joining(", ")));
    }
}
