<?php

namespace MediaWiki\Extension\Wikicast;

use MediaWiki\MediaWikiServices;

/**
 * The seed extension's static API, kept so that code written for it works unchanged:
 * `Wikicast::send( 'FooDataChanged', $data )` instead of `WebSocket::send( … )`.
 * New code should get the `Wikicast.Sender` service injected instead.
 */
class Wikicast {
	/**
	 * @param string $type a bare event name (scoped to this wiki), or `wsWikiID` + name
	 * @param mixed $msg anything JSON can encode
	 * @param string|string[]|false $to a client id, several, or false for every subscriber
	 * @return string the event id
	 */
	public static function send( $type, $msg, $to = false ): string {
		return self::getSender()->send( $type, $msg, $to );
	}

	public static function getSender(): Sender {
		return MediaWikiServices::getInstance()->getService( 'Wikicast.Sender' );
	}
}
