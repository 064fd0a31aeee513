/**
 * The ITS-backed GIC provider ({@code gic.lpi=its}): {@link gic.its.impl.ItsGicProvider} builds a
 * {@code gic.core.GicCore} whose LPI back end is an {@link gic.its.impl.ItsExtension} holding one
 * {@link gic.its.impl.Its} per configured ITS (registers, command queue, translation with its
 * {@link gic.its.impl.TranslationCache}). Commands live in {@code gic.its.impl.command}, the guest-memory
 * tables in {@code gic.its.impl.table}. Private to the bundle; the contract is {@code gic.api}.
 */
package gic.its.impl;
