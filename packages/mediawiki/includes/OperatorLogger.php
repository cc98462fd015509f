<?php

namespace MediaWiki\Extension\Wikicast;

use Psr\Log\AbstractLogger;
use Psr\Log\LoggerInterface;
use Psr\Log\LogLevel;

/**
 * The `Wikicast` log channel, with warnings and worse also written to PHP's error log (the web
 * server's error log; a maintenance script's stderr). What those lines report — a wrong secret,
 * ingest down, the client bundle missing — only an operator can fix, and MediaWiki writes a
 * channel nowhere until `$wgDebugLogGroups` (or a logging setup) names it: without this they
 * would stay unseen on a wiki whose only symptom is a browser that never updates.
 */
class OperatorLogger extends AbstractLogger {
	private const ERROR_LOG_LEVELS = [
		LogLevel::WARNING, LogLevel::ERROR, LogLevel::CRITICAL, LogLevel::ALERT, LogLevel::EMERGENCY,
	];

	/** @var LoggerInterface */
	private $channel;
	/** @var callable(string): mixed */
	private $errorLog;

	/**
	 * @param LoggerInterface $channel the `Wikicast` channel (LoggerFactory)
	 * @param callable|null $errorLog writes one line to PHP's error log; default `error_log`
	 */
	public function __construct( LoggerInterface $channel, ?callable $errorLog = null ) {
		$this->channel = $channel;
		$this->errorLog = $errorLog ?? 'error_log';
	}

	/**
	 * @param mixed $level
	 * @param string|\Stringable $message
	 * @param array $context
	 */
	public function log( $level, $message, array $context = [] ) {
		$this->channel->log( $level, $message, $context );
		if ( in_array( $level, self::ERROR_LOG_LEVELS, true ) ) {
			( $this->errorLog )( "[$level] " . self::interpolate( (string)$message, $context ) );
		}
	}

	/** PSR-3's `{key}` placeholders filled in from the context, as the channel's formatter does. */
	public static function interpolate( string $message, array $context ): string {
		return preg_replace_callback( '/\{([A-Za-z0-9_.]+)\}/', static function ( array $match ) use ( $context ): string {
			if ( !array_key_exists( $match[1], $context ) ) {
				return $match[0];
			}
			$value = $context[$match[1]];
			return is_scalar( $value ) || $value === null ? (string)$value : json_encode( $value );
		}, $message );
	}
}
