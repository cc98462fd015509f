<?php

namespace MediaWiki\Extension\Wikicast;

/**
 * Mints the two kinds of token Wikicast uses, both HS256 with the wiki's secret and `iss` = the
 * wiki id (see docs/mediawiki.md and SPEC "Ingest" / "WebSocket"):
 * - ingest tokens (`aud: "ingest"`), with which this wiki publishes events;
 * - connection tokens for browsers (`aud: "edge"`), carrying the user, client id, groups and
 *   send patterns.
 *
 * No MediaWiki dependency: the caller supplies every fact about the user.
 */
class TokenFactory {
	public const INGEST_AUDIENCE = 'ingest';
	public const EDGE_AUDIENCE = 'edge';
	/** `WS` + hex, the shape of the seed's uniqid( 'WS' ) client ids. */
	private const CLIENT_ID_HEX_LENGTH = 16;

	/** @var string */
	private $wikiId;
	/** @var string */
	private $secret;
	/** @var string|null */
	private $keyId;
	/** @var callable(): int */
	private $clock;

	/**
	 * @param string $wikiId
	 * @param string $secret
	 * @param string|null $keyId the secret's `kid` in the wikis file; null: tokens name no key
	 * @param callable|null $clock returns seconds since the epoch; defaults to time()
	 */
	public function __construct( string $wikiId, string $secret, ?string $keyId = null, ?callable $clock = null ) {
		$this->wikiId = $wikiId;
		$this->secret = $secret;
		$this->keyId = $keyId;
		$this->clock = $clock ?? 'time';
	}

	public function ingestToken( int $ttlS ): string {
		$now = ( $this->clock )();
		return Jwt::sign( [
			'iss' => $this->wikiId,
			'aud' => self::INGEST_AUDIENCE,
			'iat' => $now,
			'exp' => $now + $ttlS,
		], $this->secret, $this->keyId );
	}

	/**
	 * @param string|null $userName null for anonymous readers (then no `sub`)
	 * @param string $clientId
	 * @param string[] $groups the user's effective groups (including implicit `*` and `user`)
	 * @param string[] $sendPatterns event types this user's browser may send
	 * @param int $ttlS
	 * @param string[] $presenceTopics topics whose presence the browser may join and see (the
	 *   pages the user may read that it asked for); none by default
	 * @return array{token:string,exp:int,cid:string}
	 */
	public function edgeToken(
		?string $userName, string $clientId, array $groups, array $sendPatterns, int $ttlS, array $presenceTopics = []
	): array {
		$now = ( $this->clock )();
		$claims = [ 'iss' => $this->wikiId, 'aud' => self::EDGE_AUDIENCE ];
		if ( $userName !== null && $userName !== '' ) {
			$claims['sub'] = $userName;
		}
		$claims += [
			'cid' => $clientId,
			'groups' => array_values( array_unique( $groups ) ),
			'send' => array_values( array_unique( $sendPatterns ) ),
			'presence' => array_values( array_unique( $presenceTopics ) ),
			'iat' => $now,
			'exp' => $now + $ttlS,
		];
		return [ 'token' => Jwt::sign( $claims, $this->secret, $this->keyId ), 'exp' => $claims['exp'], 'cid' => $clientId ];
	}

	/**
	 * A client id that stays the same for one session and reveals nothing about it: an HMAC of
	 * the session id under the wiki's secret, so it cannot be turned back into the session id.
	 */
	public function clientIdForSession( string $sessionId ): string {
		$mac = hash_hmac( 'sha256', "wikicast-cid:$sessionId", $this->secret );
		return 'WS' . substr( $mac, 0, self::CLIENT_ID_HEX_LENGTH );
	}

	/**
	 * Verifies a token signed with this wiki's secret (for tests and for tools that receive
	 * tokens back, such as a control callback). Checks the issuer as the services do.
	 *
	 * @return array<string,mixed> the claims
	 * @throws JwtException
	 */
	public function verify( string $token, ?string $audience = null ): array {
		$claims = Jwt::verify( $token, $this->secret, ( $this->clock )() );
		if ( ( $claims['iss'] ?? null ) !== $this->wikiId ) {
			throw new JwtException( 'unknown_wiki', 'the token was issued for another wiki' );
		}
		if ( $audience !== null ) {
			$aud = $claims['aud'] ?? null;
			$ok = is_array( $aud ) ? in_array( $audience, $aud, true ) : $aud === $audience;
			if ( !$ok ) {
				throw new JwtException( 'wrong_audience', "the token is not meant for $audience" );
			}
		}
		return $claims;
	}
}
