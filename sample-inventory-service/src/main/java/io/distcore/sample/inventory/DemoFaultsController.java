package io.distcore.sample.inventory;

import java.util.Map;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The demo's fault switch, mapped only with {@code sample.faults.enabled=true} (demo.sh sets it): a production
 * deployment of the sample has no way to make its phases fail.
 */
@RestController
@RequestMapping("/demo/faults")
@ConditionalOnBooleanProperty("sample.faults.enabled")
class DemoFaultsController {

	private final DemoFaults faults;

	DemoFaultsController(DemoFaults faults) {
		this.faults = faults;
	}

	/**
	 * Makes this instance's next {@code count} calls of a kind fail (0 disarms): {@code confirm-failures},
	 * {@code cancel-failures}, {@code try-failures} or {@code lost-replies}.
	 */
	@PostMapping("/{kind}")
	Map<String, Integer> arm(@PathVariable String kind, @RequestParam @Min(0) @Max(100) int count) {
		DemoFaults.Kind known = DemoFaults.Kind.ofPath(kind);
		if (known == null) {
			ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, "Unknown fault " + kind);
			problem.setTitle("Unknown fault");
			throw new ErrorResponseException(HttpStatus.NOT_FOUND, problem, null);
		}
		this.faults.arm(known, count);
		return status();
	}

	@GetMapping
	Map<String, Integer> status() {
		return this.faults.remaining();
	}

}
