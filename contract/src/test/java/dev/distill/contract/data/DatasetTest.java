package dev.distill.contract.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DatasetTest {
    @Test
    void commandLineNamesParseRegardlessOfCase() {
        assertThat(Dataset.parse("mnist")).isEqualTo(Dataset.MNIST);
        assertThat(Dataset.parse(" Fashion-MNIST ")).isEqualTo(Dataset.FASHION_MNIST);
        assertThat(Split.parse("TEST")).isEqualTo(Split.TEST);
    }

    @Test
    void unknownNameListsTheValidOnes() {
        assertThatThrownBy(() -> Dataset.parse("cifar10"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown data set 'cifar10': valid names are mnist, fashion-mnist");
        assertThatThrownBy(() -> Split.parse("valid"))
                .hasMessage("unknown split 'valid': valid names are train, test");
    }

    @Test
    void fileNamesFollowTheOriginalDistribution() {
        assertThat(Dataset.MNIST.fileNames()).containsExactly("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");
        assertThat(Dataset.FASHION_MNIST.imagesFileName(Split.TEST)).isEqualTo("t10k-images-idx3-ubyte");
        assertThat(Dataset.FASHION_MNIST.labelsFileName(Split.TRAIN)).isEqualTo("train-labels-idx1-ubyte");
    }

    @Test
    void bothDataSetsHaveTenNamedClassesOf28By28() {
        assertThat(Dataset.MNIST.classNames()).containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
        assertThat(Dataset.FASHION_MNIST.classCount()).isEqualTo(10);
        assertThat(Dataset.FASHION_MNIST.className(0)).isEqualTo("T-shirt/top");
        assertThat(Dataset.FASHION_MNIST.className(9)).isEqualTo("Ankle boot");
        assertThat(Dataset.FASHION_MNIST.rows() * Dataset.FASHION_MNIST.cols()).isEqualTo(784);
        assertThat(Dataset.MNIST.expectedCount(Split.TRAIN)).isEqualTo(60_000);
        assertThat(Dataset.MNIST.expectedCount(Split.TEST)).isEqualTo(10_000);
    }
}
