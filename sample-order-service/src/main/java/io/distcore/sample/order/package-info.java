/**
 * Sample order service: places orders and settles their stock with the inventory service.
 */
package io.distcore.sample.order;
