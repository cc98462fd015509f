<?php

use MediaWiki\Extension\Wikicast\Jwt;
use MediaWiki\Extension\Wikicast\JwtException;
use MediaWiki\Extension\Wikicast\TokenFactory;

const SECRET = 'a-test-secret-of-at-least-32-characters!';

return [
	'signs the RFC 7515 appendix A.1 example exactly' => static function () {
		// The RFC's HS256 example: its key, header and payload bytes give a known signature.
		$key = Jwt::base64UrlDecode( 'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow' );
		$header = 'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9';
		$payload = 'eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ';
		$signature = Jwt::base64UrlEncode( hash_hmac( 'sha256', "$header.$payload", $key, true ) );
		assertSame( $signature, 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk' );
		$claims = Jwt::verify( "$header.$payload.$signature", $key, 1300819000 );
		assertSame( $claims['iss'], 'joe' );
	},
	'round-trips claims, header says HS256 JWT' => static function () {
		$token = Jwt::sign( [ 'iss' => 'demo', 'exp' => 2000, 'groups' => [ 'user' ], 'sub' => 'Zoë/ü' ], SECRET );
		[ $header ] = explode( '.', $token );
		assertSame( json_decode( Jwt::base64UrlDecode( $header ), true ), [ 'alg' => 'HS256', 'typ' => 'JWT' ] );
		assertSame( Jwt::verify( $token, SECRET, 1000 ), [ 'iss' => 'demo', 'exp' => 2000, 'groups' => [ 'user' ], 'sub' => 'Zoë/ü' ] );
		assertTrue( strpbrk( $token, '+/=' ) === false, 'base64url without padding' );
	},
	'refuses a token signed with another secret' => static function () {
		$token = Jwt::sign( [ 'iss' => 'demo', 'exp' => 2000 ], 'another-secret-that-is-32-chars-long!!' );
		assertThrows( static function () use ( $token ) {
			Jwt::verify( $token, SECRET, 1000 );
		}, JwtException::class, 'bad_signature' );
	},
	'refuses a tampered payload' => static function () {
		[ $h, , $s ] = explode( '.', Jwt::sign( [ 'iss' => 'demo', 'exp' => 2000, 'sub' => 'Alice' ], SECRET ) );
		$forged = Jwt::base64UrlEncode( json_encode( [ 'iss' => 'demo', 'exp' => 2000, 'sub' => 'Admin' ] ) );
		assertThrows( static function () use ( $h, $forged, $s ) {
			Jwt::verify( "$h.$forged.$s", SECRET, 1000 );
		}, JwtException::class, 'bad_signature' );
	},
	'refuses alg none and other algorithms' => static function () {
		$none = Jwt::base64UrlEncode( '{"alg":"none","typ":"JWT"}' ) . '.' . Jwt::base64UrlEncode( '{"iss":"demo","exp":2000}' ) . '.';
		assertThrows( static function () use ( $none ) {
			Jwt::verify( $none, SECRET, 1000 );
		}, JwtException::class, 'malformed' );
	},
	'expiry is required and enforced with 5 s leeway' => static function () {
		$token = Jwt::sign( [ 'iss' => 'demo', 'exp' => 1000 ], SECRET );
		Jwt::verify( $token, SECRET, 1004 );
		assertThrows( static function () use ( $token ) {
			Jwt::verify( $token, SECRET, 1005 );
		}, JwtException::class, 'expired' );
		$noExp = Jwt::sign( [ 'iss' => 'demo' ], SECRET );
		assertThrows( static function () use ( $noExp ) {
			Jwt::verify( $noExp, SECRET, 1000 );
		}, JwtException::class, 'malformed' );
	},
	'refuses garbage' => static function () {
		foreach ( [ '', 'abc', 'a.b', 'a.b.c.d', '!!.??.**' ] as $garbage ) {
			assertThrows( static function () use ( $garbage ) {
				Jwt::verify( $garbage, SECRET, 1000 );
			}, JwtException::class, 'malformed' );
		}
	},
	'names the key id in the header when given one, and only then' => static function () {
		$header = static function ( string $token ): array {
			return json_decode( Jwt::base64UrlDecode( explode( '.', $token )[0] ), true );
		};
		$keyed = new TokenFactory( 'demo', SECRET, '2025-06' );
		assertSame( $header( $keyed->ingestToken( 60 ) ), [ 'alg' => 'HS256', 'typ' => 'JWT', 'kid' => '2025-06' ] );
		assertSame( $header( $keyed->edgeToken( 'Alice', 'WS1', [ '*' ], [], 600 )['token'] )['kid'], '2025-06' );
		assertSame( $keyed->verify( $keyed->ingestToken( 60 ), 'ingest' )['iss'], 'demo' );
		assertTrue( !array_key_exists( 'kid', $header( ( new TokenFactory( 'demo', SECRET ) )->ingestToken( 60 ) ) ), 'no kid without a key id' );
	},
	'cannot sign without a secret' => static function () {
		assertThrows( static function () {
			Jwt::sign( [ 'exp' => 1 ], '' );
		}, JwtException::class, 'no_secret' );
	},
	'ingest tokens: iss, aud ingest, short exp' => static function () {
		$tokens = new TokenFactory( 'demo', SECRET, null, static function () {
			return 1700000000;
		} );
		$claims = $tokens->verify( $tokens->ingestToken( 60 ), 'ingest' );
		assertSame( $claims, [ 'iss' => 'demo', 'aud' => 'ingest', 'iat' => 1700000000, 'exp' => 1700000060 ] );
	},
	'edge tokens carry user, cid, groups and send patterns; anonymous has no sub' => static function () {
		$tokens = new TokenFactory( 'demo', SECRET, null, static function () {
			return 1700000000;
		} );
		$minted = $tokens->edgeToken( 'Alice', 'WS0123', [ '*', 'user', 'user', 'sysop' ], [ 'demo:*' ], 600 );
		assertSame( $minted['exp'], 1700000600 );
		$claims = $tokens->verify( $minted['token'], 'edge' );
		assertSame( $claims['sub'], 'Alice' );
		assertSame( $claims['cid'], 'WS0123' );
		assertSame( $claims['groups'], [ '*', 'user', 'sysop' ] );
		assertSame( $claims['send'], [ 'demo:*' ] );
		assertSame( $claims['presence'], [], 'no presence unless asked for' );
		$withPages = $tokens->verify( $tokens->edgeToken( 'Alice', 'WS0123', [ '*' ], [], 600, [ 'page:5', 'page:5:editing', 'page:5' ] )['token'] );
		assertSame( $withPages['presence'], [ 'page:5', 'page:5:editing' ] );
		$anon = $tokens->verify( $tokens->edgeToken( null, 'WS9', [ '*' ], [], 600 )['token'] );
		assertTrue( !array_key_exists( 'sub', $anon ), 'no sub for anonymous' );
		assertSame( $anon['send'], [] );
	},
	'a token of another wiki or audience is refused' => static function () {
		$other = new TokenFactory( 'other', SECRET );
		$tokens = new TokenFactory( 'demo', SECRET );
		assertThrows( static function () use ( $tokens, $other ) {
			$tokens->verify( $other->ingestToken( 60 ) );
		}, JwtException::class, 'unknown_wiki' );
		assertThrows( static function () use ( $tokens ) {
			$tokens->verify( $tokens->ingestToken( 60 ), 'edge' );
		}, JwtException::class, 'wrong_audience' );
	},
	'client ids are stable per session, differ between sessions and hide the session id' => static function () {
		$tokens = new TokenFactory( 'demo', SECRET );
		$a = $tokens->clientIdForSession( 'session-a' );
		assertSame( $tokens->clientIdForSession( 'session-a' ), $a );
		assertTrue( $a !== $tokens->clientIdForSession( 'session-b' ), 'different sessions, different ids' );
		assertTrue( preg_match( '/^WS[0-9a-f]{16}$/', $a ) === 1, "seed-shaped id: $a" );
		assertTrue( $a !== ( new TokenFactory( 'demo', 'another-secret-that-is-32-chars-long!!' ) )->clientIdForSession( 'session-a' ),
			'depends on the secret' );
	},
];
