/**
 * What every model shares: the ONNX input/output interface and provenance keys ({@link
 * dev.distill.contract.model.ModelInterface}), and the versioned on-disk store through which
 * teacher training publishes teachers and the scorer picks them up ({@link
 * dev.distill.contract.model.TeacherStore}).
 */
package dev.distill.contract.model;
