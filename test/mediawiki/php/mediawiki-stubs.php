<?php
/**
 * Stand-ins for the few MediaWiki and PSR-3 types that Sender's signatures name, so its retry
 * logic runs under plain PHP. They are fakes on purpose: the job queue's real behaviour is
 * covered by test/mediawiki/mediawiki-e2e.test.ts against a real MediaWiki; here only the
 * decisions (what is retried, with which attempt number, what is dropped) are checked.
 */

namespace Psr\Log {
	if ( !interface_exists( LoggerInterface::class ) ) {
		interface LoggerInterface {
		}
	}
}

namespace {
	if ( !class_exists( JobSpecification::class ) ) {
		class JobSpecification {
			/** @var string */
			public $type;
			/** @var array */
			public $params;

			public function __construct( string $type, array $params ) {
				$this->type = $type;
				$this->params = $params;
			}
		}
	}

	if ( !class_exists( JobQueueGroup::class ) ) {
		class JobQueueGroup {
			/** @var JobSpecification[] */
			public $pushed = [];
			/** @var bool */
			public $delays = false;

			public function get( string $type ) {
				$delays = $this->delays;
				return new class( $delays ) {
					/** @var bool */
					private $delays;

					public function __construct( bool $delays ) {
						$this->delays = $delays;
					}

					public function delayedJobsEnabled(): bool {
						return $this->delays;
					}
				};
			}

			public function push( $spec ): void {
				$this->pushed[] = $spec;
			}
		}
	}

	class RecordingLogger implements Psr\Log\LoggerInterface {
		/** @var array<int,array{string,string}> */
		public $lines = [];

		public function __call( string $level, array $args ) {
			$this->lines[] = [ $level, (string)( $args[0] ?? '' ) ];
		}
	}
}
