package io.distcore.tcc.web;

import java.util.concurrent.Executor;

import io.distcore.tcc.TccBinding;

import org.springframework.core.task.TaskDecorator;
import org.springframework.util.Assert;

/**
 * Carries the submitting thread's TCC binding (a global transaction or an inbound branch) to the thread that runs
 * the task, and restores the worker's own afterwards, so calls made by the task are enlisted in the same
 * transaction. A task that runs after its transaction left the try phase is refused when it tries to enlist.
 * Boot's auto-configured executor uses this decorator when the application declares no {@link TaskDecorator} of
 * its own; otherwise compose it with yours or wrap your executor with {@link #wrap(Executor)}.
 */
public final class TccTaskDecorator implements TaskDecorator {

	@Override
	public Runnable decorate(Runnable runnable) {
		return TccBinding.capture().wrap(runnable);
	}

	/**
	 * An executor that runs each task with the binding of the thread that submitted it.
	 * @param executor the executor that runs the tasks
	 * @return the wrapping executor
	 */
	public static Executor wrap(Executor executor) {
		Assert.notNull(executor, "executor must not be null");
		return (task) -> executor.execute(TccBinding.capture().wrap(task));
	}

}
