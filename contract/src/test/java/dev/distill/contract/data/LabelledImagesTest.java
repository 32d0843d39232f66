package dev.distill.contract.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LabelledImagesTest {
    private final LabelledImages twoByTwo = new LabelledImages("toy", "test", 1, 2,
            new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, new byte[] {3, 0, 3, 1});

    @Test
    void imageIsACopyThatLeavesTheSplitIntact() {
        byte[] image = twoByTwo.image(2);
        image[0] = 99;

        assertThat(twoByTwo.image(2)).containsExactly(5, 6);
        assertThat(twoByTwo.imageOffset(2)).isEqualTo(4);
    }

    @Test
    void histogramCountsEachLabelUpToTheLargest() {
        assertThat(twoByTwo.labelHistogram()).containsExactly(1, 1, 0, 2);
        assertThat(new LabelledImages("toy", "test", 1, 1, new byte[0], new byte[0]).labelHistogram()).isEmpty();
    }

    @Test
    void pixelsThatDoNotMatchTheLabelCountAreRefused() {
        assertThatThrownBy(() -> new LabelledImages("toy", "test", 2, 2, new byte[7], new byte[2]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("2 labels need 8 pixels of 2x2, got 7");
    }

    @Test
    void imageIndexOutOfRangeIsRefused() {
        assertThatThrownBy(() -> twoByTwo.image(4)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void describesItselfWithoutDumpingPixels() {
        assertThat(twoByTwo).hasToString("LabelledImages[toy/test, 4 images of 1x2]");
    }
}
