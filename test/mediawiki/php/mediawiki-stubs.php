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

	if ( !class_exists( DeferredUpdates::class ) ) {
		/** Holds deferred callables until a test runs them, as MediaWiki would at some later point. */
		class DeferredUpdates {
			public const POSTSEND = 2;
			/** @var callable[] */
			public static $queue = [];

			public static function addCallableUpdate( callable $callable, int $stage = self::POSTSEND ): void {
				self::$queue[] = $callable;
			}

			/** Runs what is queued now (and what that queues), as DeferredUpdates::doUpdates(). */
			public static function run(): void {
				while ( self::$queue !== [] ) {
					( array_shift( self::$queue ) )();
				}
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
