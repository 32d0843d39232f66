/**
 * What models are and how samples reach them: a teacher's {@link
 * dev.distill.contract.model.TeacherManifest} (inputs with symbolic dims, preprocessing, output,
 * classes) and the rules that bind a sample's tensors to a model's inputs ({@link
 * dev.distill.contract.model.InputBinding}), shared by the scorer, the importer and the trainer;
 * student architectures; the interface and provenance keys of the models distill trains ({@link
 * dev.distill.contract.model.ModelInterface}); and the versioned on-disk store through which
 * teachers are published and the scorer picks them up ({@link dev.distill.contract.model.TeacherStore}).
 */
package dev.distill.contract.model;
