package dev.distill.trainer.teacher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.contract.data.Dataset;
import dev.distill.contract.model.Architecture;
import org.junit.jupiter.api.Test;

class TeacherOptionsTest {
  @Test
  void theDefaultTeacherIsTheSmallCnnPublishedUnderTheDataSetsName() {
    TeacherOptions o = TeacherOptions.builder(Dataset.FASHION_MNIST).build();
    assertThat(o.teacherId()).isEqualTo("fashion-mnist");
    assertThat(o.architecture()).isEqualTo(TeacherOptions.DEFAULT_ARCHITECTURE);
    assertThat(o.architecture()).isInstanceOf(Architecture.Cnn.class);
    assertThat(o.dropout()).isEqualTo(TeacherOptions.DEFAULT_CNN_DROPOUT);
    assertThat(o.members()).isEqualTo(1);
    assertThat(o.trainLimit()).isZero();
  }

  @Test
  void anMlpGetsThePapersDropoutUnlessOneIsGiven() {
    Architecture mlp = Architecture.parse("mlp:784-1200-1200-10");
    assertThat(TeacherOptions.builder(Dataset.MNIST).optArchitecture(mlp).build().dropout()).isEqualTo(0.5f);
    assertThat(TeacherOptions.builder(Dataset.MNIST).optArchitecture(mlp).optDropout(0f).build().dropout()).isZero();
  }

  @Test
  void anArchitectureThatDoesNotFitTheDataSetIsRefusedWithTheReason() {
    assertThatThrownBy(() -> TeacherOptions.builder(Dataset.MNIST).optArchitecture(Architecture.parse("mlp:100-10"))
        .build()).hasMessage("architecture mlp:100-10 takes 100 inputs, but mnist images have 784 pixels");
    assertThatThrownBy(() -> TeacherOptions.builder(Dataset.MNIST).optArchitecture(Architecture.parse("cnn:14x56-c8-10"))
        .build()).hasMessage("architecture cnn:14x56-c8-10 takes 14x56 images, but mnist images are 28x28");
    assertThatThrownBy(() -> TeacherOptions.builder(Dataset.MNIST).optArchitecture(Architecture.parse("mlp:784-5"))
        .build()).hasMessage("architecture mlp:784-5 has 5 classes, but mnist has 10");
  }

  @Test
  void outOfRangeSettingsAreRefused() {
    assertThatThrownBy(() -> TeacherOptions.builder(Dataset.MNIST).optMembers(0).build())
        .hasMessage("the ensemble size must be at least 1, got 0");
    assertThatThrownBy(() -> TeacherOptions.builder(Dataset.MNIST).optDropout(1f).build())
        .hasMessage("dropout must be at least 0 and below 1, got 1.0");
    assertThatThrownBy(() -> TeacherOptions.builder(Dataset.MNIST).optLearningRate(-1e-3f).build())
        .hasMessage("the learning rate must be positive, got -0.001");
    assertThatThrownBy(() -> TeacherOptions.builder(Dataset.MNIST).optTeacherId("Bad Id").build())
        .hasMessageStartingWith("teacher id 'Bad Id' must match");
  }
}
