<?php

namespace MediaWiki\Extension\Wikicast;

use InvalidArgumentException;

/**
 * Wraps messages in Wikicast events (SPEC "Event"): a UUIDv7 id (the de-duplication key, kept
 * across retries), the wiki, the topic, the seed's `type`/`msg`/`from`/`to`, an `audience` when
 * not everyone who may read the wiki may see it, and `ts`.
 *
 * No MediaWiki dependency, so its unit tests run with plain PHP.
 */
class EventFactory {
	/** Mirrors packages/protocol/src/limits.ts WIKI_ID_PATTERN. */
	public const WIKI_ID_PATTERN = '/^[A-Za-z0-9_-]{1,64}$/';
	/** A topic name may contain colons but no whitespace (limits.ts TOPIC_PATTERN). */
	private const NAME_PATTERN = '/^[^\s]{1,255}$/';

	/** @var string */
	private $wikiId;
	/** @var callable(): float */
	private $clock;
	/** @var callable(int): string */
	private $randomBytes;

	/**
	 * @param string $wikiId
	 * @param callable|null $clock seconds since the epoch as a float; defaults to microtime( true )
	 * @param callable|null $randomBytes defaults to random_bytes
	 */
	public function __construct( string $wikiId, ?callable $clock = null, ?callable $randomBytes = null ) {
		if ( preg_match( self::WIKI_ID_PATTERN, $wikiId ) !== 1 ) {
			throw new InvalidArgumentException(
				"Wikicast wiki id \"$wikiId\" must match " . self::WIKI_ID_PATTERN . ' ($wgWikicastWikiId)' );
		}
		$this->wikiId = $wikiId;
		$this->clock = $clock ?? static function (): float {
			return microtime( true );
		};
		$this->randomBytes = $randomBytes ?? 'random_bytes';
	}

	public function getWikiId(): string {
		return $this->wikiId;
	}

	/** The topic `<wiki>:<name>`. */
	public function topic( string $name ): string {
		return $this->wikiId . ':' . $name;
	}

	/**
	 * @param string $topic a full `<wiki>:<name>` topic
	 * @param string $type
	 * @param mixed $msg anything JSON can encode
	 * @param array{from?:string,to?:string[],audience?:array} $routing
	 * @return array<string,mixed>
	 */
	public function event( string $topic, string $type, $msg, array $routing = [] ): array {
		$event = [
			'id' => $this->uuidV7(),
			'wiki' => $this->wikiId,
			'topic' => $topic,
			'type' => $type,
			'msg' => $msg,
		];
		foreach ( [ 'from', 'to', 'audience' ] as $key ) {
			if ( isset( $routing[$key] ) && $routing[$key] !== [] && $routing[$key] !== '' ) {
				$event[$key] = $routing[$key];
			}
		}
		$event['ts'] = $this->isoTime( ( $this->clock )() );
		return $event;
	}

	/**
	 * The seed's `send( $type, $msg, $to )`: a `type` that starts with this wiki's `wsWikiID`
	 * (`mywiki:42:UpdateComments`) is already a topic; a bare name (`FooDataChanged`) is scoped to
	 * this wiki, and is delivered with the type the caller used.
	 *
	 * @param string $type
	 * @param mixed $msg
	 * @param string|string[]|false|null $to one client id, several, or false for every subscriber
	 * @param string|null $from the client id of the request that sends, as the seed set it
	 * @return array<string,mixed>
	 */
	public function seedEvent( string $type, $msg, $to = false, ?string $from = null ): array {
		$prefix = $this->wikiId . ':';
		$name = strncmp( $type, $prefix, strlen( $prefix ) ) === 0 ? substr( $type, strlen( $prefix ) ) : $type;
		if ( preg_match( self::NAME_PATTERN, $name ) !== 1 ) {
			throw new InvalidArgumentException( "Wikicast event type \"$type\" must be 1–255 characters without spaces" );
		}
		$recipients = $to === false || $to === null || $to === '' ? [] : array_values( (array)$to );
		return $this->event( $this->topic( $name ), $type, $msg, [ 'from' => $from, 'to' => $recipients ] );
	}

	/** RFC 9562 UUIDv7: 48 bits of Unix milliseconds, then random bits; sorts by creation time. */
	public function uuidV7(): string {
		$bytes = pack( 'J', self::milliseconds( ( $this->clock )() ) );
		$bytes = substr( $bytes, 2 ) . ( $this->randomBytes )( 10 );
		$bytes[6] = chr( 0x70 | ( ord( $bytes[6] ) & 0x0f ) );
		$bytes[8] = chr( 0x80 | ( ord( $bytes[8] ) & 0x3f ) );
		$hex = bin2hex( $bytes );
		return substr( $hex, 0, 8 ) . '-' . substr( $hex, 8, 4 ) . '-' . substr( $hex, 12, 4 ) . '-'
			. substr( $hex, 16, 4 ) . '-' . substr( $hex, 20 );
	}

	/** `2026-11-22T10:00:00.000Z`, the form the services write. */
	public function isoTime( float $seconds ): string {
		$ms = self::milliseconds( $seconds );
		return gmdate( 'Y-m-d\TH:i:s', intdiv( $ms, 1000 ) ) . sprintf( '.%03dZ', $ms % 1000 );
	}

	/** Rounded, not floored: 0.123 s is 122.99… ms as a float. */
	private static function milliseconds( float $seconds ): int {
		return (int)round( $seconds * 1000 );
	}
}
