package dev.distill.contract.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real Fashion-MNIST as the Debian package installs it; skipped where the package is not installed. */
class FashionMnistDataTest {
    @TempDir
    Path tmp;

    @BeforeEach
    void needsTheDebianPackage() {
        assumeThat(Files.isDirectory(DatasetFetcher.FASHION_DEBIAN_DIR))
                .as("apt-get install dataset-fashion-mnist").isTrue();
    }

    @Test
    void debianPackageIsCopiedAsGzipAndReadsAsTheBalancedSplits() throws IOException {
        DataHome home = DataHome.at(tmp);

        FetchResult fetched = new DatasetFetcher(home).fetch(Dataset.FASHION_MNIST);
        FetchResult again = new DatasetFetcher(home).fetch(Dataset.FASHION_MNIST);

        assertThat(fetched.status()).isEqualTo(FetchResult.Status.FETCHED);
        assertThat(fetched.source())
                .isEqualTo("Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist)");
        assertThat(home.datasetFile(Dataset.FASHION_MNIST, "train-images-idx3-ubyte"))
                .contains(home.datasetDir(Dataset.FASHION_MNIST).resolve("train-images-idx3-ubyte.gz"));
        assertThat(again.status()).isEqualTo(FetchResult.Status.ALREADY_PRESENT);
        assertThat(again.summary()).isEqualTo("fashion-mnist: already present in " + again.dir()
                + " (checked 60000 + 10000 images of 28x28), nothing to fetch");

        LabelledImages test = Datasets.load(home, Dataset.FASHION_MNIST, Split.TEST);
        assertThat(test.count()).isEqualTo(10_000);
        assertThat(test.labelHistogram()).containsOnly(1000).hasSize(10);
        LabelledImages train = Datasets.load(home, Dataset.FASHION_MNIST, Split.TRAIN);
        assertThat(train.count()).isEqualTo(60_000);
        assertThat(train.labelHistogram()).containsOnly(6000).hasSize(10);
    }

    @Test
    void userNamedFolderServesWhenThereIsNoPackageToFetchFrom() throws IOException {
        DataHome home = DataHome.at(tmp);
        DatasetFetcher fetcher = new DatasetFetcher(home, Optional.empty(), tmp.resolve("nowhere"), Duration.ofSeconds(5));

        FetchResult fetched = fetcher.fetch(Dataset.FASHION_MNIST, Optional.of(DatasetFetcher.FASHION_DEBIAN_DIR));

        assertThat(fetched.status()).isEqualTo(FetchResult.Status.FETCHED);
        assertThat(fetched.files()).hasSize(4);
        assertThat(fetched.summary()).isEqualTo("fashion-mnist: fetched 4 files from folder "
                + DatasetFetcher.FASHION_DEBIAN_DIR + " into " + home.datasetDir(Dataset.FASHION_MNIST)
                + " (checked 60000 + 10000 images of 28x28)");
        assertThat(Datasets.load(home, Dataset.FASHION_MNIST, Split.TEST).label(0)).isEqualTo(9);
    }
}
