/**
 * Plumbing shared by two or more capabilities: process identity, connection helpers, SpEL, clocks.
 */
package io.distcore.support;
